#ifndef SLUICE_SLUICE_C_H_
#define SLUICE_SLUICE_C_H_

/* The C entry points of libsluice, for other languages. Results leave through the Arrow C
 * stream interface (struct ArrowArrayStream), so any Arrow implementation can consume
 * them without linking Arrow C++.
 *
 * Every function returns 0 on success. On failure it returns a nonzero Arrow status code
 * and, if `error` is not NULL, stores a message in *error that the caller frees with
 * sluice_free_error. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
#include <stdint.h>
struct ArrowSchema;
struct ArrowArray;
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

typedef struct sluice_session sluice_session;

/* Opens a session ("local:" or "local:/path/to/warehouse"). Free with
 * sluice_session_free. */
int sluice_connect(const char* uri, sluice_session** out, char** error);
void sluice_session_free(sluice_session* session);

/* Starts one SQL query and exports its result stream into `out`, which the caller must
 * release. At most `max_buffered_batches` batches (0 = the default, 8) wait unread;
 * releasing the stream cancels the query. */
int sluice_query(sluice_session* session, const char* sql, size_t max_buffered_batches,
                 struct ArrowArrayStream* out, char** error);

void sluice_free_error(char* error);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_SLUICE_C_H_ */
