"""Words and pictures for people: labels and number formats (``labels``), Making Data Count
icon texts, colours and SVG (``icons``) and plain-English captions (``describe``).

Reads result frames and options only; no matplotlib (``spc.plotting`` draws).
"""
