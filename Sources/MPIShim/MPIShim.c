#include "MPIShim.h"
#include <mpi.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

// Handles are stored behind small heap boxes so that the header needs no MPI types.
struct supernode_mpi_comm { MPI_Comm comm; };
struct supernode_mpi_request { MPI_Request request; };

static struct supernode_mpi_comm world_box;

int supernode_mpi_init(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return MPI_SUCCESS;
    int provided = 0;
    int code = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
    if (code == MPI_SUCCESS) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return code;
}

int supernode_mpi_initialized(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    return initialized;
}

int supernode_mpi_finalize(void) { return MPI_Finalize(); }

supernode_comm supernode_mpi_world(void) {
    world_box.comm = MPI_COMM_WORLD;
    return &world_box;
}

int supernode_mpi_rank(supernode_comm comm, int *rank) { return MPI_Comm_rank(comm->comm, rank); }
int supernode_mpi_size(supernode_comm comm, int *size) { return MPI_Comm_size(comm->comm, size); }

int supernode_mpi_split(supernode_comm comm, int color, int key, supernode_comm *out) {
    struct supernode_mpi_comm *box = malloc(sizeof *box);
    if (!box) return MPI_ERR_NO_MEM;
    int code = MPI_Comm_split(comm->comm, color, key, &box->comm);
    if (code != MPI_SUCCESS) { free(box); return code; }
    MPI_Comm_set_errhandler(box->comm, MPI_ERRORS_RETURN);
    *out = box;
    return MPI_SUCCESS;
}

int supernode_mpi_free(supernode_comm *comm) {
    if (!comm || !*comm || *comm == &world_box) return MPI_SUCCESS;
    int code = MPI_Comm_free(&(*comm)->comm);
    free(*comm);
    *comm = NULL;
    return code;
}

double supernode_mpi_wtime(void) { return MPI_Wtime(); }

void supernode_mpi_error_string(int code, char *buffer, int length) {
    char text[MPI_MAX_ERROR_STRING];
    int size = 0;
    if (MPI_Error_string(code, text, &size) != MPI_SUCCESS) { snprintf(text, sizeof text, "MPI error %d", code); }
    strncpy(buffer, text, (size_t)length - 1);
    buffer[length - 1] = 0;
}

int supernode_mpi_abort(supernode_comm comm, int code) { return MPI_Abort(comm->comm, code); }

static int box_request(supernode_request *request, struct supernode_mpi_request **box) {
    *box = malloc(sizeof **box);
    if (!*box) return MPI_ERR_NO_MEM;
    *request = *box;
    return MPI_SUCCESS;
}

#define START(call) \
    struct supernode_mpi_request *box; \
    int code = box_request(request, &box); \
    if (code != MPI_SUCCESS) return code; \
    code = (call); \
    if (code != MPI_SUCCESS) { free(box); *request = NULL; } \
    return code;

int supernode_mpi_iallreduce_sum(const float *send, float *receive, int count, supernode_comm comm, supernode_request *request) {
    START(MPI_Iallreduce(send == receive ? MPI_IN_PLACE : send, receive, count, MPI_FLOAT, MPI_SUM, comm->comm, &box->request))
}

int supernode_mpi_iallgather(const float *send, int count, float *receive, supernode_comm comm, supernode_request *request) {
    START(MPI_Iallgather(send, count, MPI_FLOAT, receive, count, MPI_FLOAT, comm->comm, &box->request))
}

int supernode_mpi_ireduce_scatter_block_sum(const float *send, float *receive, int count, supernode_comm comm, supernode_request *request) {
    START(MPI_Ireduce_scatter_block(send, receive, count, MPI_FLOAT, MPI_SUM, comm->comm, &box->request))
}

int supernode_mpi_ialltoall(const float *send, int count, float *receive, supernode_comm comm, supernode_request *request) {
    START(MPI_Ialltoall(send, count, MPI_FLOAT, receive, count, MPI_FLOAT, comm->comm, &box->request))
}

int supernode_mpi_ialltoallv(const float *send, const int *send_counts, const int *send_offsets, float *receive,
                             const int *receive_counts, const int *receive_offsets, supernode_comm comm, supernode_request *request) {
    START(MPI_Ialltoallv(send, send_counts, send_offsets, MPI_FLOAT, receive, receive_counts, receive_offsets, MPI_FLOAT,
                         comm->comm, &box->request))
}

int supernode_mpi_ialltoall_int(const int *send, int count, int *receive, supernode_comm comm, supernode_request *request) {
    START(MPI_Ialltoall(send, count, MPI_INT, receive, count, MPI_INT, comm->comm, &box->request))
}

int supernode_mpi_ibcast(float *buffer, int count, int root, supernode_comm comm, supernode_request *request) {
    START(MPI_Ibcast(buffer, count, MPI_FLOAT, root, comm->comm, &box->request))
}

int supernode_mpi_ibarrier(supernode_comm comm, supernode_request *request) {
    START(MPI_Ibarrier(comm->comm, &box->request))
}

int supernode_mpi_isend(const float *data, int count, int peer, int tag, supernode_comm comm, supernode_request *request) {
    START(MPI_Isend(data, count, MPI_FLOAT, peer, tag, comm->comm, &box->request))
}

int supernode_mpi_irecv(float *data, int count, int peer, int tag, supernode_comm comm, supernode_request *request) {
    START(MPI_Irecv(data, count, MPI_FLOAT, peer, tag, comm->comm, &box->request))
}

int supernode_mpi_test(supernode_request *request, int *done) {
    if (!request || !*request) { *done = 1; return MPI_SUCCESS; }
    int flag = 0;
    int code = MPI_Test(&(*request)->request, &flag, MPI_STATUS_IGNORE);
    *done = flag;
    if (flag || code != MPI_SUCCESS) { free(*request); *request = NULL; }
    return code;
}

void supernode_mpi_request_free(supernode_request *request) {
    if (request && *request) {
        MPI_Cancel(&(*request)->request);
        MPI_Request_free(&(*request)->request);
        free(*request);
        *request = NULL;
    }
}
