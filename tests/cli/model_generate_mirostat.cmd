$LS generate --prompt '{"name": "' -n 2 --chain llama.cpp --mirostat 2 --mirostat-tau 3 --mirostat-eta 0.5 --max-tokens 40
