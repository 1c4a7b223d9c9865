"""`citychan warn`: new warnings, updates and the all-clear (service), incidents (incidents)
and every CAP file written (cap_files). Builds on the pure warning domain in ``alerts``."""
