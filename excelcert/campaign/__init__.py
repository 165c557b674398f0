"""The campaign: its folder and config, its secret key, its roster of clusters and of reviewers.

config     campaign.yaml, the folder, the key, the scheme copy
roster     the clusters (xlsx or csv), checked cell by cell
reviewers  the reviewers roster
session    one object that opens all of the above (and the ledger) once, lazily
"""
