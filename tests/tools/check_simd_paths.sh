#!/bin/sh
# check_simd_paths.sh B: the vector passes give the same bits on every path
# (make check). Runs B/tests/test_vmath and test_vmath_scan under each
# LOGITSCOPE_SIMD path this CPU has and requires, of each, one checksum of
# all its outputs; then runs the chain's
# differential test on the forced portable path, as a CPU without AVX2
# would (the default build must run there).
B=${1:-build}
for t in test_vmath test_vmath_scan; do
    sums=""
    for p in portable avx2 avx512; do
        out=$(LOGITSCOPE_SIMD=$p "$B/tests/$t" 2>&1) || { echo "FAIL: $t on $p"; echo "$out"; exit 1; }
        line=$(echo "$out" | grep '^vmath path')
        echo "  $t: $line (asked for $p)"
        sums="$sums $(echo "$line" | awk '{print $5}')"
    done
    n=$(echo $sums | tr ' ' '\n' | sort -u | wc -l)
    [ "$n" = 1 ] || { echo "FAIL: the SIMD paths disagree in $t:$sums"; exit 1; }
done
for p in portable avx2 avx512; do
    LOGITSCOPE_SIMD=$p "$B/tests/test_vmath_expf" >/dev/null 2>&1 ||
        { echo "FAIL: test_vmath_expf on $p (glibc's expf bits, the float sum)"; exit 1; }
done
for p in portable avx2 avx512; do # vm_exp_fdiv_list's and vm_expf_shift_sum's own kernels (not in test_vmath's)
    LOGITSCOPE_SIMD=$p "$B/tests/test_topp_tiers" >/dev/null 2>&1 || { echo "FAIL: test_topp_tiers on $p"; exit 1; }
    LOGITSCOPE_SIMD=$p "$B/tests/test_torch_expf" >/dev/null 2>&1 || { echo "FAIL: test_torch_expf on $p"; exit 1; }
    LOGITSCOPE_SIMD=$p "$B/tests/test_divblk" >/dev/null 2>&1 || { echo "FAIL: test_divblk on $p"; exit 1; }
    LOGITSCOPE_SIMD=$p "$B/tests/test_vmath_long" >/dev/null 2>&1 || { echo "FAIL: test_vmath_long on $p"; exit 1; }
    LOGITSCOPE_SIMD=$p "$B/tests/test_div_calc" >/dev/null 2>&1 || { echo "FAIL: test_div_calc on $p (diff's exps, libm's bits)"; exit 1; }
    LOGITSCOPE_SIMD=$p "$B/tests/test_halves" >/dev/null 2>&1 || { echo "FAIL: test_halves on $p (float16 and bfloat16 conversion)"; exit 1; }
done
LOGITSCOPE_SIMD=portable "$B/tests/test_differential" >/dev/null 2>&1 ||
    { echo "FAIL: test_differential on the portable path"; exit 1; }
LOGITSCOPE_SIMD=portable "$B/tests/test_emu_fsum" >/dev/null 2>&1 ||
    { echo "FAIL: test_emu_fsum on the portable path (emu_fsum.c's two-lane loop)"; exit 1; }
echo "simd paths: same bits on every path; differential test passes on the portable path"
