/* load_safetensors.c: PLACEHOLDER until the formats work lands (issue 3). */
#include "source.h"

int load_safetensors(const char *path, const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    (void)path; (void)opts; (void)out;
    return ls_fail(err, LS_EDATA, "format safetensors is not supported yet");
}
