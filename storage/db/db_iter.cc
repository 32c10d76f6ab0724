// DBIter (see db_iter.h), after leveldb's db/db_iter.cc.
//
// The internal iterator yields, for each user key, its versions newest first
// (CompareInternalKey). DBIter keeps one of two states:
//
//   kForward: iter_ is positioned at the entry that is the current user entry
//             (key() and value() read straight from iter_).
//   kReverse: iter_ is positioned just BEFORE all entries of the current user
//             key (at the oldest entry of a smaller key, or !Valid() at the
//             beginning); the current entry is copied in saved_key_ /
//             saved_value_.
//
// Forward scans that meet many hidden versions of one key (overwritten,
// deleted, or newer than the snapshot) re-seek past them instead of stepping
// through them one by one, as RocksDB's max_sequential_skip_in_iterations.

#include "storage/db/db_iter.h"

#include <cassert>
#include <string>
#include <string_view>
#include <utility>

#include "storage/db/dbformat.h"

namespace lsmdb::storage {

namespace {

// Hidden entries stepped over with Next() before one re-seek.
constexpr int kMaxSequentialSkip = 8;

class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<Iterator> iter, uint64_t sequence, std::function<void()> cleanup,
         DBIterBounds bounds)
      : iter_(std::move(iter)),
        sequence_(sequence),
        cleanup_(std::move(cleanup)),
        bounds_(std::move(bounds)) {}

  ~DBIter() override {
    iter_.reset();  // release what iter_ reads before the owner unpins it
    if (cleanup_) cleanup_();
  }

  bool Valid() const override { return valid_; }

  std::string_view key() const override {
    assert(valid_);
    return direction_ == kForward ? ExtractUserKey(iter_->key()) : std::string_view(saved_key_);
  }

  std::string_view value() const override {
    assert(valid_);
    return direction_ == kForward ? iter_->value() : std::string_view(saved_value_);
  }

  Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void Next() override {
    assert(valid_);
    if (direction_ == kReverse) {
      // iter_ is just before the entries of key() (saved_key_): step into
      // them and let the skipping code below pass over them.
      direction_ = kForward;
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
    } else {
      SaveKey(ExtractUserKey(iter_->key()), &saved_key_);
      iter_->Next();
    }
    FindNextUserEntry(true, &saved_key_);
  }

  void Prev() override {
    assert(valid_);
    if (direction_ == kForward) {
      // Step back over every entry of the current user key.
      SaveKey(ExtractUserKey(iter_->key()), &saved_key_);
      for (;;) {
        iter_->Prev();
        if (!iter_->Valid()) {
          SetInvalid();
          return;
        }
        ParsedInternalKey ikey;
        if (!ParseKey(&ikey)) return;
        if (CompareUserKey(ikey.user_key, saved_key_) < 0) break;
      }
      direction_ = kReverse;
    }
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    direction_ = kForward;
    ClearSavedValue();
    if (!status_.ok()) return SetInvalid();
    saved_key_.clear();
    AppendInternalKey(&saved_key_, target, sequence_, kValueTypeForSeek);
    iter_->Seek(saved_key_);
    FindNextUserEntry(false, &saved_key_ /* temporary storage */);
  }

  void SeekForPrev(std::string_view target) override {
    direction_ = kReverse;
    ClearSavedValue();
    if (!status_.ok()) return SetInvalid();
    // (target, 0, kTypeDeletion) is the last possible internal key of target.
    saved_key_.clear();
    AppendInternalKey(&saved_key_, target, 0, kTypeDeletion);
    iter_->SeekForPrev(saved_key_);
    FindPrevUserEntry();
  }

  void SeekToFirst() override {
    direction_ = kForward;
    ClearSavedValue();
    if (!status_.ok()) return SetInvalid();
    iter_->SeekToFirst();
    FindNextUserEntry(false, &saved_key_ /* temporary storage */);
  }

  void SeekToLast() override {
    direction_ = kReverse;
    ClearSavedValue();
    if (!status_.ok()) return SetInvalid();
    iter_->SeekToLast();
    FindPrevUserEntry();
  }

 private:
  enum Direction : unsigned char { kForward, kReverse };

  // Parses iter_->key(); on failure records the sticky corruption and stops.
  bool ParseKey(ParsedInternalKey* ikey) {
    if (ParseInternalKey(iter_->key(), ikey)) return true;
    status_ = Status::Corruption("corrupted internal key in DBIter");
    SetInvalid();
    return false;
  }

  void SetInvalid() {
    valid_ = false;
    saved_key_.clear();
    ClearSavedValue();
  }

  static void SaveKey(std::string_view k, std::string* dst) { dst->assign(k.data(), k.size()); }

  void ClearSavedValue() {
    if (saved_value_.capacity() > 1048576) {
      std::string().swap(saved_value_);
    } else {
      saved_value_.clear();
    }
  }

  // Moves forward from iter_'s position to the first visible entry of a user
  // key that is not hidden. If `skipping`, entries whose user key is <= *skip
  // are hidden (older versions of a key already yielded or deleted).
  void FindNextUserEntry(bool skipping, std::string* skip) {
    assert(direction_ == kForward);
    int num_skipped = 0;
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!ParseKey(&ikey)) return;
      // Past the upper bound: stop rather than walk hidden entries beyond
      // it. Checked only where a new user key would be skipped (hidden
      // versions of *skip are below it, and a visible entry is checked by
      // the caller's bound), so a scan inside the range pays nothing.
      if (bounds_.upper && (ikey.sequence > sequence_ || ikey.type == kTypeDeletion) &&
          !(skipping && CompareUserKey(ikey.user_key, *skip) <= 0) &&
          CompareUserKey(ikey.user_key, *bounds_.upper) >= 0) {
        break;
      }
      if (ikey.sequence > sequence_) {
        // Newer than the snapshot: invisible. After many, jump to the first
        // version of this key that the snapshot can see.
        if (++num_skipped > kMaxSequentialSkip) {
          num_skipped = 0;
          iter_->Seek(MakeInternalKey(ikey.user_key, sequence_, kValueTypeForSeek));
          continue;
        }
      } else if (ikey.type == kTypeDeletion) {
        // Hides every older entry of this key.
        SaveKey(ikey.user_key, skip);
        skipping = true;
      } else if (skipping && CompareUserKey(ikey.user_key, *skip) <= 0) {
        // Hidden. After many, jump past the oldest possible version of *skip.
        if (++num_skipped > kMaxSequentialSkip) {
          num_skipped = 0;
          iter_->Seek(MakeInternalKey(*skip, 0, kTypeDeletion));
          continue;
        }
      } else {
        valid_ = true;
        saved_key_.clear();
        return;
      }
      iter_->Next();
    }
    SetInvalid();
  }

  // Moves backward from iter_'s position (the oldest entry of some user key)
  // to the newest visible entry of the nearest smaller-or-equal user key that
  // is not deleted, saving it; iter_ ends just before that key's entries.
  void FindPrevUserEntry() {
    assert(direction_ == kReverse);
    ValueType value_type = kTypeDeletion;
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!ParseKey(&ikey)) return;
      // Below the lower bound: what was saved (if anything) is the entry.
      if (bounds_.lower && CompareUserKey(ikey.user_key, *bounds_.lower) < 0) break;
      if (ikey.sequence <= sequence_) {
        if (value_type != kTypeDeletion && CompareUserKey(ikey.user_key, saved_key_) < 0) {
          break;  // a value of an earlier key: saved_key_ is complete
        }
        value_type = ikey.type;
        if (value_type == kTypeDeletion) {
          saved_key_.clear();
          ClearSavedValue();
        } else {
          std::string_view raw_value = iter_->value();
          if (saved_value_.capacity() > raw_value.size() + 1048576) {
            std::string().swap(saved_value_);
          }
          SaveKey(ikey.user_key, &saved_key_);
          saved_value_.assign(raw_value.data(), raw_value.size());
        }
      }
      iter_->Prev();
    }
    if (value_type == kTypeDeletion || (!iter_->Valid() && !iter_->status().ok())) {
      SetInvalid();
      direction_ = kForward;
    } else {
      valid_ = true;
    }
  }

  std::unique_ptr<Iterator> iter_;
  const uint64_t sequence_;
  std::function<void()> cleanup_;
  const DBIterBounds bounds_;
  Status status_;            // sticky corruption found by DBIter itself
  std::string saved_key_;    // == key() when direction_ == kReverse
  std::string saved_value_;  // == value() when direction_ == kReverse
  Direction direction_ = kForward;
  bool valid_ = false;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<Iterator> internal, uint64_t sequence,
                                        std::function<void()> cleanup, DBIterBounds bounds) {
  return std::make_unique<DBIter>(std::move(internal), sequence, std::move(cleanup),
                                  std::move(bounds));
}

}  // namespace lsmdb::storage
