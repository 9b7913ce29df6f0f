"""Authentication and authorization: who calls, and what they may do (docs/auth.md)."""
