"""Evidence: file-type checks for uploads (pure) and, later, the evidence pack."""
