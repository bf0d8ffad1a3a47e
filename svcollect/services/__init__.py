"""Use cases: the only layer that joins the models with the pure packages."""
