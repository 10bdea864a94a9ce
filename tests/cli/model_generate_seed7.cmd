$LS generate --prompt '{"name": "' -n 3 --seed 7 --temperature 0.9 --top-p 0.95 --max-tokens 40
