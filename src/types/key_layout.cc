#include "src/types/key_layout.h"

#include <memory>
#include <string>

#include "src/types/encoding.h"

namespace lsmdb::server {

Status OpenKeyLayout(lsmdb::DB* db, bool cluster) {
  const std::string key(1, kLayoutTag);
  const std::string wanted = cluster ? "slots" : "plain";
  std::string value;
  LSMDB_ASSIGN_OR_RETURN(bool found, db->Get(lsmdb::ReadOptions{}, key, &value));
  if (!found) {
    std::unique_ptr<lsmdb::Iterator> it = db->NewIterator(lsmdb::ReadOptions{});
    it->Seek(std::string(1, kMetaTag));
    const bool has_keys = it->Valid() && !it->key().empty() && it->key()[0] == kMetaTag;
    LSMDB_RETURN_IF_ERROR(it->status());
    value = has_keys ? "plain" : wanted;
    lsmdb::WriteOptions wo;
    wo.sync = true;
    LSMDB_RETURN_IF_ERROR(db->Put(wo, key, value));
  }
  if (value != wanted) {
    return Status::InvalidArgument(
        value == "slots" ? "the data directory holds keys in the cluster layout (written with "
                           "cluster-enabled yes); it cannot be opened with cluster-enabled no"
                         : "the data directory holds keys in the plain layout (written without "
                           "cluster-enabled); it cannot be opened with cluster-enabled yes");
  }
  SetSlotKeyLayout(cluster);
  return Status::OK();
}

}  // namespace lsmdb::server
