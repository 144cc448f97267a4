/* CSupport – qflux's one C/C++ target: the umbrella header Swift imports. */
#ifndef QF_CSUPPORT_H
#define QF_CSUPPORT_H

#include "qf_decode.h"
#include "qf_payloads.h"
#include "qf_codecs.h"
#include "qf_lz4.h"
#include "qf_lws.h"
#include "qf_redis.h"
#include "qf_epoll.h"

#endif
