"""One module per command-line sub-command: configure(parser) and run(args) -> exit code."""
