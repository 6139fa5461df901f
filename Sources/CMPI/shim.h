// Open MPI's C interface (Debian: libopenmpi-dev). Its handles are macros Swift cannot import; MPIShim wraps them.
#include <mpi.h>
