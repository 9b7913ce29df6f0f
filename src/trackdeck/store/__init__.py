"""The database layer: schema, migrations, engines and one query module per concept.

Nothing here knows about HTTP; every function takes plain values and returns records
from `trackdeck.entities`, or raises `trackdeck.errors.TrackdeckError`.
"""
