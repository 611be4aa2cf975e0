"""Walk accessibility: street network import, nearest-facility sweeps, coverage and siting."""
