$LS --help
