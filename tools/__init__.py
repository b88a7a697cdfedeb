"""The lab: measurements that drive the app itself, in a headless browser or a Streamlit server it starts, and
profile the machine's CPU while they do (``python -m tools.live``).

It may import ``ui`` (the app's labels and settings have their one home there) and ``pose``; neither imports it
(pyproject.toml's contracts). The product's own evaluation, which the Compare page runs, stays in
``pose.measure``.
"""
