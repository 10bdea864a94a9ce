$LS show --help
