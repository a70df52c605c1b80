import type { Generated } from 'kysely';

export interface PointsTables {
  points_rules: { id: number; rules: string; updated_at: string; updated_by: string };
  points_lot: { id: string; user_id: string; source: string; points: number; remaining: number; expires_at: string; created_at: string };
  points_redemption: { order_id: string; user_id: string; points: number; value_minor: number; currency: string; total_minor: number; returned_points: Generated<number>; created_at: string };
}
