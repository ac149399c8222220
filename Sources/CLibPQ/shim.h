#ifndef MCLEDGER_CLIBPQ_SHIM_H
#define MCLEDGER_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
