"""The project's tooling: starting the servers (Stack), the generated run-time
configuration, and the command line `python -m ops` (see ops/__main__.py).

Nothing here is imported by the assistant itself; importing the package is cheap (no
Rasa, no TensorFlow), so the benchmark can use it from its own virtualenv.
"""
