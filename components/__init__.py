"""Custom Rasa NLU components (thin wrappers over the plain modules in knowledge/)."""
