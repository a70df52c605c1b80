import type { Generated } from 'kysely';

/** A buyer follows a merchant: one row per (user, merchant). */
export interface SocialFollowTable {
  user_id: string;
  merchant_id: string;
  created_at: string;
}

/** A buyer's wishlist; public = 1 makes it readable by anyone who has its id. */
export interface SocialWishlistTable {
  /** 'wl_…' */
  id: string;
  owner_id: string;
  name: string;
  public: number;
  created_at: string;
  updated_at: string;
}

export interface SocialWishlistItemTable {
  wishlist_id: string;
  product_id: string;
  added_at: string;
}

/** A share link: a referrer's unguessable code for one product. */
export interface SocialReferralLinkTable {
  /** 'rfl_…' */
  id: string;
  /** 22 base64url characters (128 random bits). */
  code: string;
  referrer_id: string;
  product_id: string;
  created_at: string;
}

/** A signed-in buyer arrived through a link: one row per (link, buyer), visited_at is the latest arrival. */
export interface SocialReferralVisitTable {
  link_id: string;
  buyer_id: string;
  referrer_id: string;
  product_id: string;
  visited_at: string;
}

/** The attribution of a paid order to one link: at most one per order, whatever the visits. */
export interface SocialReferralRewardTable {
  order_id: string;
  link_id: string;
  referrer_id: string;
  buyer_id: string;
  product_id: string;
  points: number;
  /** 'granted' | 'reversed' */
  state: string;
  created_at: string;
  reversed_at: string | null;
}

export interface SocialQuestionTable {
  seq: Generated<number>;
  /** 'qst_…' */
  id: string;
  product_id: string;
  merchant_id: string;
  author_id: string;
  text: string;
  hidden: number;
  created_at: string;
}

export interface SocialAnswerTable {
  seq: Generated<number>;
  /** 'ans_…' */
  id: string;
  question_id: string;
  author_id: string;
  /** 'seller' | 'verified_buyer' */
  badge: string;
  text: string;
  hidden: number;
  created_at: string;
}

export interface SocialTables {
  social_follow: SocialFollowTable;
  social_wishlist: SocialWishlistTable;
  social_wishlist_item: SocialWishlistItemTable;
  social_referral_link: SocialReferralLinkTable;
  social_referral_visit: SocialReferralVisitTable;
  social_referral_reward: SocialReferralRewardTable;
  social_question: SocialQuestionTable;
  social_answer: SocialAnswerTable;
}
