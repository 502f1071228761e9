"""Helpers the test modules share (real servers, workspaces, corpora); no test module imports
another test module."""
