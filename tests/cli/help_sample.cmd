$LS sample --help
