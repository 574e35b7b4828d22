#pragma once

// Sluice: stream Arrow record batches out of SQL queries, with bounded memory,
// consumer-paced backpressure and prompt cancellation. Start with sluice::Connect.
#include "sluice/data_frame.h"    // IWYU pragma: export
#include "sluice/exec_options.h"  // IWYU pragma: export
#include "sluice/param.h"         // IWYU pragma: export
#include "sluice/session.h"       // IWYU pragma: export
#include "sluice/streaming_write.h"  // IWYU pragma: export
