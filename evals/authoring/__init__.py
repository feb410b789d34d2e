"""Tools that write hand-made test data (cassettes) in real wire formats."""
