$LS eval --help
