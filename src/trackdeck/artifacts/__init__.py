"""Artifact stores behind one small interface (`base`), chosen by URI scheme (`registry`).

Every client-supplied path passes `paths.normalise` before it reaches a store.
"""
