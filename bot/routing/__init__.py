"""Who gets a signal: eligibility, availability, the responsible adviser and the backups."""
