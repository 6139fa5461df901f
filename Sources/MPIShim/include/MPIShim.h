// Small C wrappers around Open MPI, so that Swift never touches MPI's macro handles. Every function returns
// an MPI error code (MPI_SUCCESS = 0) unless it returns a value.
#ifndef SUPERNODE_MPI_SHIM_H
#define SUPERNODE_MPI_SHIM_H
#include <stddef.h>

typedef struct supernode_mpi_comm *supernode_comm;

int supernode_mpi_init(void);
int supernode_mpi_initialized(void);
int supernode_mpi_finalize(void);
supernode_comm supernode_mpi_world(void);
int supernode_mpi_rank(supernode_comm comm, int *rank);
int supernode_mpi_size(supernode_comm comm, int *size);
int supernode_mpi_split(supernode_comm comm, int color, int key, supernode_comm *out);
int supernode_mpi_free(supernode_comm *comm);
double supernode_mpi_wtime(void);
void supernode_mpi_error_string(int code, char *buffer, int length);
int supernode_mpi_abort(supernode_comm comm, int code);

// Collectives over float32, started non-blocking and completed by polling, so a caller can give up after a deadline.
typedef struct supernode_mpi_request *supernode_request;
int supernode_mpi_iallreduce_sum(const float *send, float *receive, int count, supernode_comm comm, supernode_request *request);
int supernode_mpi_iallgather(const float *send, int count, float *receive, supernode_comm comm, supernode_request *request);
int supernode_mpi_ireduce_scatter_block_sum(const float *send, float *receive, int count, supernode_comm comm, supernode_request *request);
int supernode_mpi_ialltoall(const float *send, int count, float *receive, supernode_comm comm, supernode_request *request);
int supernode_mpi_ialltoallv(const float *send, const int *send_counts, const int *send_offsets, float *receive,
                             const int *receive_counts, const int *receive_offsets, supernode_comm comm, supernode_request *request);
int supernode_mpi_ialltoall_int(const int *send, int count, int *receive, supernode_comm comm, supernode_request *request);
int supernode_mpi_ibcast(float *buffer, int count, int root, supernode_comm comm, supernode_request *request);
int supernode_mpi_ibarrier(supernode_comm comm, supernode_request *request);
int supernode_mpi_isend(const float *data, int count, int peer, int tag, supernode_comm comm, supernode_request *request);
int supernode_mpi_irecv(float *data, int count, int peer, int tag, supernode_comm comm, supernode_request *request);
/// Sets *done to 1 when the request has finished (and frees it), 0 otherwise.
int supernode_mpi_test(supernode_request *request, int *done);
void supernode_mpi_request_free(supernode_request *request);

#endif
