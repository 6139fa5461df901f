// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). The only C the BLAS side of the runtime sees.
#include <cblas.h>
