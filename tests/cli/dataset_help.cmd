$LS dataset --help
