"""Importing USAspending's financial-assistance downloads (``manage.py import_usaspending``).

``layout`` knows the downloads' columns and reads a row, ``sources`` opens a CSV or the CSVs of
a zip, ``matching`` finds a recipient's jurisdiction, ``services`` writes one file's rows and
the figures derived from them, ``selectors`` reads what the import kept (unmatched recipients).
"""
