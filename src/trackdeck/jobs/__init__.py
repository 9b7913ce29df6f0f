"""MLprojects run as tracked jobs (in the studio) and sweeps (from the user's terminal)."""
