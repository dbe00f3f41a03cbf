// SPDX-License-Identifier: GPL-2.0
/*
 * db.c - the active signature DB and its chunked upload.
 *
 * A DB arrives in NOGAP_CMD_SIGDB_LOAD requests (begin, chunks in order,
 * commit; uapi/linux/nogap.h). The staging buffer belongs to the netlink
 * socket that began the upload and is freed when that socket closes. On
 * commit the whole buffer is validated by the engine's ng_sigdb_open(),
 * the same code userspace runs on DB files, and only a valid DB replaces
 * the active one. Users of the DB (identification) hold a reference, so a
 * replacement never pulls a DB from under a running identification.
 */

#include <linux/crc32.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"

static_assert(NOGAP_SIGDB_MAX_SIZE == NG_SIGDB_MAX_SIZE);

struct ng_upload {
	u8 *buf;		/* NULL: no upload in progress */
	u64 size;
	u64 received;
	u32 portid;		/* owner */
	struct net *net;	/* compared only, never dereferenced */
};

static DEFINE_MUTEX(ng_db_lock);	/* everything below */
static struct ng_db *ng_db_active;
static u32 ng_db_generation;
static struct ng_upload ng_up;

static void ng_db_release(struct kref *ref)
{
	struct ng_db *db = container_of(ref, struct ng_db, ref);

	kvfree(db->buf);
	kfree(db);
}

struct ng_db *ng_db_get(void)
{
	struct ng_db *db;

	mutex_lock(&ng_db_lock);
	db = ng_db_active;
	if (db)
		kref_get(&db->ref);
	mutex_unlock(&ng_db_lock);
	return db;
}

void ng_db_put(struct ng_db *db)
{
	if (db)
		kref_put(&db->ref, ng_db_release);
}

static void ng_upload_drop(void)
{
	kvfree(ng_up.buf);
	memset(&ng_up, 0, sizeof(ng_up));
}

static bool ng_upload_owned(u32 portid, struct net *net)
{
	return ng_up.portid == portid && ng_up.net == net;
}

int ng_db_begin(u32 portid, struct net *net, u64 size,
		struct netlink_ext_ack *extack)
{
	u8 *buf;

	if (size < sizeof(struct ngdb_header)) {
		NL_SET_ERR_MSG(extack, "declared size too small for a signature db");
		return -EINVAL;
	}
	if (size > NG_SIGDB_MAX_SIZE) {
		NL_SET_ERR_MSG(extack, "declared size exceeds the signature db limit");
		return -E2BIG;
	}
	buf = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (!buf) {
		NL_SET_ERR_MSG(extack, "not enough memory for the signature db");
		return -ENOMEM;
	}
	mutex_lock(&ng_db_lock);
	ng_upload_drop();	/* the last begin wins */
	ng_up.buf = buf;
	ng_up.size = size;
	ng_up.portid = portid;
	ng_up.net = net;
	mutex_unlock(&ng_db_lock);
	return 0;
}

/* With ng_db_lock: the caller's upload, or an error in extack. */
static int ng_upload_check(u32 portid, struct net *net,
			   struct netlink_ext_ack *extack)
{
	if (!ng_up.buf) {
		NL_SET_ERR_MSG(extack, "no signature db upload in progress");
		return -ENOENT;
	}
	if (!ng_upload_owned(portid, net)) {
		NL_SET_ERR_MSG(extack, "another socket's signature db upload is in progress");
		return -EBUSY;
	}
	return 0;
}

int ng_db_chunk(u32 portid, struct net *net, u64 off, const void *data,
		u32 len, const u32 *crc, struct netlink_ext_ack *extack)
{
	int ret;

	mutex_lock(&ng_db_lock);
	ret = ng_upload_check(portid, net, extack);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!len) {
		NL_SET_ERR_MSG(extack, "empty chunk");
		goto drop;
	}
	if (off != ng_up.received) {
		NG_SET_ERR_MSG_FMT(extack, "chunk out of order",
				   "chunk out of order: offset %llu, expected %llu",
				   off, ng_up.received);
		goto drop;
	}
	if (len > ng_up.size - off) {
		NG_SET_ERR_MSG_FMT(extack, "chunk beyond the declared size",
				   "chunk beyond the declared size (%llu bytes)",
				   ng_up.size);
		goto drop;
	}
	if (crc && (crc32_le(~0u, data, len) ^ ~0u) != *crc) {
		NG_SET_ERR_MSG_FMT(extack, "bad checksum in chunk",
				   "bad checksum in chunk at offset %llu", off);
		goto drop;
	}
	memcpy(ng_up.buf + off, data, len);
	ng_up.received += len;
	ret = 0;
	goto out;
drop:
	/* a refused chunk ends the upload: it cannot be completed any more */
	ng_upload_drop();
out:
	mutex_unlock(&ng_db_lock);
	return ret;
}

int ng_db_commit(u32 portid, struct net *net, struct netlink_ext_ack *extack)
{
	struct ng_db *db, *old;
	const char *why = "";
	u64 size;
	u8 *buf;
	int ret;

	mutex_lock(&ng_db_lock);
	ret = ng_upload_check(portid, net, extack);
	if (ret) {
		mutex_unlock(&ng_db_lock);
		return ret;
	}
	if (ng_up.received != ng_up.size) {
		NG_SET_ERR_MSG_FMT(extack, "signature db upload incomplete",
				   "signature db upload incomplete: %llu of %llu bytes",
				   ng_up.received, ng_up.size);
		ng_upload_drop();
		mutex_unlock(&ng_db_lock);
		return -EINVAL;
	}
	buf = ng_up.buf;
	size = ng_up.size;
	ng_up.buf = NULL;	/* ours now */
	ng_upload_drop();
	mutex_unlock(&ng_db_lock);

	/* validate outside the lock: hashing a big DB takes a while */
	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db) {
		kvfree(buf);
		NL_SET_ERR_MSG(extack, "not enough memory for the signature db");
		return -ENOMEM;
	}
	ret = ng_sigdb_open(&db->db, buf, size, &ng_crypto_hasher, &why);
	if (ret) {
		/* why is a static string of the engine's: keep it as is */
		if (extack)
			extack->_msg = why;
		kvfree(buf);
		kfree(db);
		return ret;
	}
	kref_init(&db->ref);
	db->buf = buf;
	db->size = size;

	mutex_lock(&ng_db_lock);
	db->generation = ++ng_db_generation;
	old = ng_db_active;
	ng_db_active = db;
	mutex_unlock(&ng_db_lock);
	ng_db_put(old);

	pr_info("signature db loaded: %llu bytes, %u kernels (generation %u)\n",
		size, db->db.nkernels, db->generation);
	ng_event_sigdb(db);
	return 0;
}

int ng_db_abort(u32 portid, struct net *net, struct netlink_ext_ack *extack)
{
	int ret;

	mutex_lock(&ng_db_lock);
	ret = ng_upload_check(portid, net, extack);
	if (!ret)
		ng_upload_drop();
	mutex_unlock(&ng_db_lock);
	/* nothing to abort is no error */
	return ret == -ENOENT ? 0 : ret;
}

/* A socket that began an upload is gone: free its staging buffer. */
static int ng_db_netlink_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&ng_db_lock);
	if (ng_up.buf && ng_upload_owned(n->portid, n->net))
		ng_upload_drop();
	mutex_unlock(&ng_db_lock);
	return NOTIFY_DONE;
}

static struct notifier_block ng_db_notifier = {
	.notifier_call = ng_db_netlink_event,
};

int ng_db_init(void)
{
	return netlink_register_notifier(&ng_db_notifier);
}

void ng_db_exit(void)
{
	netlink_unregister_notifier(&ng_db_notifier);
	mutex_lock(&ng_db_lock);
	ng_upload_drop();
	ng_db_put(ng_db_active);
	ng_db_active = NULL;
	mutex_unlock(&ng_db_lock);
}
