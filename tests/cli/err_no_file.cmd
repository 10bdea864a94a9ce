$LS show
