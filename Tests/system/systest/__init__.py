"""o1-proxy under a real systemd: a booted container (container), the project installed in it
(install), HTTP and journal helpers (http, journal), unit variants and the sandbox probe (units,
probe), and the checks (checks). Used by Tests/system/run and scripts/bench-systemd."""
