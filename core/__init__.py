"""The shared core: money, time formatting, error types, Redis connection, Lua loading,
leader leases and name normalisation. Imports no package of ours (checked by
tests/test_architecture.py)."""
