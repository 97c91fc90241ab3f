#!/usr/bin/env bash
# Printed by `make run` before the web server starts.
URL=${1:-http://127.0.0.1:8080/}
cat <<TEXT

Alur siap: the five SOPs are deployed and the demo officers above can work their lanes.

  Open   $URL   and log in as one of the users above (password: alur-demo-2026).
  Try    SOP 002 (Maklumat): start as bpod.ppid-pelaksana, approve or return as bpod.atasan-ppid.
         SOP 000: bkd.jfu -> bkd.kepala-bidang -> bkd.kepala-badan -> bkd.kepala-bidang -> bkd.jfu.

A Celery worker with beat runs beside the web server (timers, overdue notices, digest).
The same steps on the command line: .venv/bin/alur --help  (tasks, complete, simulate ...).
Data lives in ./data (ALUR_DATA_DIR); see README.md for configuration. Ctrl+C stops everything.
TEXT
