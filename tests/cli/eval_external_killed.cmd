python3 -c 'import signal,os,sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])' $LS eval tests/data/eval/jsonish.json -n 2 --evaluator x='kill -9 $$'
