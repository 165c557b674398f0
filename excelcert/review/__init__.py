"""Peer review: reviewers' assignment, their workbooks, reading their returns, reconciliation."""
