"""Measurement programs: the benchmark, Human3.6M evaluation, accuracy on annotated photos (``accuracy``:
``annotations`` reads them, ``scoring`` and ``coco_ap`` score them, ``photos`` unpacks an uploaded set),
side-by-side comparison, sample footage.

The runtime never imports this room; the app's Compare page and the commands do. Measurements that drive the
app itself, in a browser or a server they start, are the lab's (``tools/``).
"""
