#!/usr/bin/env bash
# Installs the metric servers the export tests run against (crates/jumper-cli/tests/cluster_exports.rs):
# Prometheus with promtool, the Pushgateway, VictoriaMetrics and InfluxDB 1.x, from Debian's packages;
# and Slurm with munge for the two-node loopback job (crates/jumper-cli/tests/cluster_slurm.rs).
# apt-get never starts them here; the tests start each one by hand and stop it by PID.
set -euo pipefail
missing=()
command -v promtool >/dev/null && command -v prometheus >/dev/null || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null || missing+=(prometheus-pushgateway)
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
command -v influxd >/dev/null || missing+=(influxdb)
command -v slurmd >/dev/null && command -v slurmctld >/dev/null && command -v srun >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
