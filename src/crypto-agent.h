/*
 * crypto-agent.h: the key agent (docs/keys.md 4.8). A key officer unlocks
 * the key store once a day into a small process that holds the unwrapped
 * key files in locked memory (mlock, not dumpable) and answers the
 * station's requests on a local socket (mode 0600; the peer must be the
 * agent's own account, checked with SO_PEERCRED), until it is locked, its
 * idle timeout passes or its lifetime ends. Clerks never type the
 * key-store passphrase: the key loader (crypto_keystore_open_text) asks
 * the agent.
 *
 * Protocol, one request per connection, lines of text:
 *   GET <SHA-256 hex of the wrapped file's bytes>  ->  OK <n>\n<n bytes>
 *   STATUS                                          ->  OK <text>\n
 *   LOCK                                            ->  OK locked\n
 *   anything refused                                ->  NO <reason>\n
 * A file is asked for by the digest of its wrapped bytes: the agent gives
 * only what the asker already holds wrapped, and a key file changed since
 * the agent was started is not served.
 */
#ifndef NHI_CRYPTO_AGENT_H
#define NHI_CRYPTO_AGENT_H

#include <stddef.h>
#include <stdint.h>

struct crypto_agent;

/* The socket the loader asks (NULL: none). Set by main from keys.agent. */
void	crypto_agent_set_socket(const char *path);
const char *crypto_agent_socket(void);

/*
 * Unwrap every wrapped key file of `dir` with `passphrase` into locked
 * memory. A wrong passphrase or a damaged file is an error before anything
 * is served; so is a folder without wrapped files. *nfiles: how many.
 * 0, NHI_EKEY, NHI_ENOFILE or NHI_EIO.
 */
int	crypto_agent_load(const char *dir, const char *passphrase,
	    struct crypto_agent **out, size_t *nfiles);
void	crypto_agent_free(struct crypto_agent *a);
/* Wipe and free without removing the socket (the parent after a fork). */
void	crypto_agent_drop(struct crypto_agent *a);

/*
 * Bind the socket (0600; a live agent there is an error, a stale socket is
 * replaced). 0, NHI_EEXISTS, NHI_EIO.
 */
int	crypto_agent_listen(struct crypto_agent *a, const char *socket_path);

/*
 * Serve until LOCK, SIGTERM/SIGINT, `idle_s` seconds without a request or
 * `lifetime_s` seconds in all; then wipe everything and remove the socket.
 * Returns 0 (locked or timed out) or NHI_EIO.
 */
int	crypto_agent_serve(struct crypto_agent *a, long idle_s, long lifetime_s);

/*
 * crypto_agent_serve in a detached background process (its stdio on
 * /dev/null); returns once it is serving, after this process wiped its
 * copy of the keys. `a` is consumed. 0 or NHI_EIO.
 */
int	crypto_agent_background(struct crypto_agent *a, long idle_s, long lifetime_s);

/*
 * Ask the agent for the clear text of a wrapped key file (its bytes in
 * wrapped, len). 0 and *inner, *innerlen (free with util_free_secret), or
 * NHI_ENOFILE (no agent answers: locked), NHI_EKEY (it does not hold this
 * file), NHI_EDENIED (it refused this account), NHI_EIO.
 */
int	crypto_agent_fetch(const char *path, const char *wrapped, size_t len,
	    char **inner, size_t *innerlen);

/* A request without a key ("STATUS" or "LOCK"): *answer (caller frees) is
 * the agent's line. 0, NHI_ENOFILE (none running), NHI_EIO, NHI_EDENIED. */
int	crypto_agent_request(const char *request, char **answer);

/*
 * The audit seal (crypto-audit.h): ask the agent to extend the seal of
 * (old_seq, old_hash, old_mac) along `links`; *new_seq and new_mac are the
 * new seal. 0, NHI_ENOFILE (no agent: locked), NHI_EKEY (refused: no audit
 * key held, the old seal does not verify, the chain does not extend it, or
 * it is older than a seal this agent extended), NHI_EIO.
 */
struct crypto_audit_link;
int	crypto_agent_seal(int64_t old_seq, const uint8_t old_hash[32],
	    const uint8_t old_mac[32], const struct crypto_audit_link *links, size_t n,
	    int64_t *new_seq, uint8_t new_mac[32]);
/* The audit key an agent being started holds (for the start's own audit
 * entry, sealed before the agent serves): 0, NHI_ENOFILE (none), NHI_EKEY. */
int	crypto_agent_audit_key(struct crypto_agent *a, uint8_t key[32]);
/* 0 if the agent finds (seq, hash) sealed by mac; NHI_EKEY if not (or it
 * holds no audit key: the detail says which), NHI_ENOFILE (locked), NHI_EIO. */
int	crypto_agent_seal_check(int64_t seq, const uint8_t hash[32], const uint8_t mac[32]);

/* ---- Encrypted PEM private keys (queue signing and TLS client keys) ---- */

/* 1 if a PEM text holds an encrypted private key (PKCS#8 or legacy). */
int	crypto_pem_is_encrypted(const char *text, size_t len);

/*
 * Decrypt an encrypted PEM private key with `pass` (never a terminal
 * prompt) into clear PKCS#8 PEM (*clear: free with util_free_secret).
 * 0, NHI_EKEY (wrong passphrase or not a key: one message), NHI_ECRYPTO.
 */
int	crypto_pem_decrypt(const char *path, const char *text, size_t len,
	    const char *pass, char **clear, size_t *clen);

/*
 * If the PEM text in *text is an encrypted private key, replace it by the
 * clear one: from the key agent, else with the passphrase on
 * NHICARD_KEY_PASSPHRASE_FD; without either "PATH (WHAT) is encrypted and
 * the keys are locked" (NHI_ESTATE). Clear texts pass unchanged.
 */
int	crypto_pem_open(const char *path, const char *what, char **text, size_t *len);

#endif
