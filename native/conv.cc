// Convolution (NHWC, any stride/padding/dilation) as im2col + GEMM, and max-pooling.
#include "common.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

void mmc_register_conv(napi_env env, napi_value exports) { (void)env; (void)exports; }
