"""Code that runs inside the servers besides the assistant itself: the graceful stop of
the Rasa and action servers (graceful_shutdown.py) and the scale-out deployment's
tracker and lock stores (tracker_store.py, lock_store.py), named by module path in
deploy/endpoints.cluster.yml and deploy/helm-values.yml. deploy/ holds configuration only.
"""
