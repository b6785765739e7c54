"""The platform's reference streaming scorer: pulls a model's scoring subscription, calls the model,
appends prediction_history rows, acks on success and nacks on failure (so Pub/Sub dead-letters an event
after the subscription's max_delivery_attempts), exposes Prometheus metrics, drains on SIGTERM.

Self-contained (imports nothing of the platform's other packages): the image is built from this folder
alone (scorer/Dockerfile).
"""
