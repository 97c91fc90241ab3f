"""PPID public services: information requests, objections, registers, the DIP on the portal."""
