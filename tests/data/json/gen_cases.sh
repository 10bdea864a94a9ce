#!/bin/sh
# Writes the CLI golden cases for the JSON API formats and `info`
# (tests/cli/fmt_json_*.cmd, tests/cli/info_*.cmd). Rerun, then
# `UPDATE=1 sh tests/cli/run.sh ./logitscope` and REVIEW the diff.
cd "$(dirname "$0")/../../cli" || exit 1
w() { printf '%s\n' "$2" > "$1.cmd"; }
d=tests/data/json
w fmt_json_u0000             "\$LS info $d/u0000.json --json"
# loading and showing every sample
w fmt_json_chat_table        '$LS show samples/openai_chat.json --step 2'
w fmt_json_chat_json         '$LS show samples/openai_chat.json --json --top 2'
w fmt_json_chat_jsonl        '$LS show samples/openai_chat.jsonl --step 2 --json'
w fmt_json_completions       '$LS show samples/openai_completions.json --step 2 --temperature 0.5'
w fmt_json_vllm_prompt       '$LS show samples/vllm_prompt_logprobs.json --json'
w fmt_json_llamacpp_topp     '$LS show samples/llamacpp.json --step 1 --top-p 0.5'
w fmt_json_llamacpp_post     '$LS show samples/llamacpp_post.json --json'
w fmt_json_llamacpp_old      '$LS show samples/llamacpp_old.json --step 1'
w fmt_json_tgi               '$LS show samples/tgi.json --step 1 --json'
w fmt_json_ollama            '$LS show samples/ollama.json --step 2 --min-p 0.5'
w fmt_json_ollama_forced     '$LS show samples/ollama_stream.jsonl --format ollama --json --step 0'
w fmt_json_sample_all        '$LS sample samples/openai_chat.json --all --seed 5 --json'
w fmt_json_sample_text       '$LS sample samples/tgi.json -n 5 --seed 9'
w fmt_json_format_override   '$LS show samples/llamacpp.json --format llama.cpp --top 1'
w fmt_json_format_wrong      '$LS show samples/openai_chat.json --format tgi'
w fmt_json_format_unknown    '$LS show samples/openai_chat.json --format nope'
w fmt_json_sse               "\$LS show $d/sse.txt --json"
w fmt_json_hostile           "\$LS show $d/hostile.json"
w fmt_json_hostile_info      "\$LS info $d/hostile.json --json"
w fmt_json_positive          "\$LS info $d/positive.json"
w fmt_json_step_range        '$LS show samples/tgi.json --step 2'
w fmt_json_vocab_ignored     '$LS show samples/openai_chat.json --vocab samples/vocab.txt --top 1'
w fmt_json_vocab_ids         '$LS show samples/llamacpp.json --vocab samples/vocab.txt --top 1'
w fmt_json_cap               '$LS show samples/openai_chat.json --max-json-size 100'
# malformed inputs: exact message and exit code
for f in empty whitespace bom_only truncated trailing nul utf16 deep nan neg_infinity huge_number \
         wrong_type missing_key content_not_array no_logprobs empty_choices unknown lengths \
         offset_lengths bad_bytes bad_bytes_fraction bad_bytes_type lone_surrogate prob_range \
         mixed_prob bad_id tgi_lengths tgi_no_details; do
    w "fmt_json_err_$f" "\$LS show $d/$f.json"
done
for f in lines_wrong_type lines_syntax lines_nan; do
    w "fmt_json_err_$f" "\$LS show $d/$f.jsonl"
done
# info on every sample (and one of each other kind)
for f in openai_chat openai_completions vllm_prompt_logprobs llamacpp llamacpp_post llamacpp_old tgi ollama; do
    w "info_$f" "\$LS info samples/$f.json"
done
w info_openai_chat_jsonl   '$LS info samples/openai_chat.jsonl'
w info_ollama_stream_jsonl '$LS info samples/ollama_stream.jsonl --top all'
w info_openai_chat_json    '$LS info samples/openai_chat.json --json'
w info_llamacpp_post_json  '$LS info samples/llamacpp_post.json --json'
w info_tgi_json            '$LS info samples/tgi.json --json'
w info_native_demo         '$LS info samples/demo.json --top 3'
w info_err_missing         '$LS info tests/data/json/does-not-exist.json'
w info_err_invalid         "\$LS info $d/wrong_type.json"
w info_err_two_files       '$LS info samples/tgi.json samples/llamacpp.json'
