"""Publish-ready workbooks (xlsxwriter). All formatting lives here; styles in `styles.py`."""
