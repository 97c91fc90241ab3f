#!/usr/bin/env bash
# What to do after `make run`, until the web inbox replaces the command line as the main job.
cat <<'TEXT'

Alur siap. The five SOPs are deployed and the demo officers above can work their lanes.
Walk a case of SOP 002 (Maklumat Pelayanan Informasi Publik) from the command line:

  .venv/bin/alur start sop_002_maklumat_pelayanan_informasi --as bpod.ppid-pelaksana
  .venv/bin/alur tasks --as bpod.ppid-pelaksana
  .venv/bin/alur complete <TASK_ID> --as bpod.ppid-pelaksana
  .venv/bin/alur tasks --as bpod.atasan-ppid
  .venv/bin/alur complete <TASK_ID> --as bpod.atasan-ppid --data '{"keputusan": "tidak", "catatan": "Perbaiki redaksi"}'

Run any SOP to its end by itself:   .venv/bin/alur simulate bpmn/sop_003_pendokumentasian_informasi_publik.bpmn
Data lives in ./data (ALUR_DATA_DIR); see README.md for configuration.
TEXT
